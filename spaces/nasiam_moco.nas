# NASiam search space for MoCo v2: projector 4 layers at the backbone width, then Linear to 128.
#
# Exactly the space of the NASiam seed code (aheuillet/NASiam@e3a1a4c, MoCo/moco/builder.py):
# every layer is a DARTS mixed op over 7 candidates (maxpool, avgpool, identity,
# linear+bn+{relu, silu, hardswish, elu}), whose structure follows the seed's
# expansion rule: at a contracting layer `identity` is
# linear+bn+relu and the pools follow it; at an expanding layer every candidate
# is a biased linear, so identity and the four activations are the same op.
# `nasiam check` warns about those duplicate candidates (the seed's expanding
# layers offer structurally equal candidates);
# spaces/dag.nas is a space without them.
space nasiam_moco for mocov2 {
  meta {
    seed_code = "aheuillet/NASiam@e3a1a4c"
  }

  let dim = 128

  head projector(x: backbone) {
    h1 = choose(
      maxpool(x) | bn,
      avgpool(x) | bn,
      identity(x),
      linear(x, backbone, bias=false) | bn | relu,
      linear(x, backbone, bias=false) | bn | silu,
      linear(x, backbone, bias=false) | bn | hardswish,
      linear(x, backbone, bias=false) | bn | elu,
    )
    h2 = choose(
      maxpool(h1) | bn,
      avgpool(h1) | bn,
      identity(h1),
      linear(h1, backbone, bias=false) | bn | relu,
      linear(h1, backbone, bias=false) | bn | silu,
      linear(h1, backbone, bias=false) | bn | hardswish,
      linear(h1, backbone, bias=false) | bn | elu,
    )
    h3 = choose(
      maxpool(h2) | bn,
      avgpool(h2) | bn,
      identity(h2),
      linear(h2, backbone, bias=false) | bn | relu,
      linear(h2, backbone, bias=false) | bn | silu,
      linear(h2, backbone, bias=false) | bn | hardswish,
      linear(h2, backbone, bias=false) | bn | elu,
    )
    h4 = choose(
      maxpool(h3) | bn,
      avgpool(h3) | bn,
      identity(h3),
      linear(h3, backbone, bias=false) | bn | relu,
      linear(h3, backbone, bias=false) | bn | silu,
      linear(h3, backbone, bias=false) | bn | hardswish,
      linear(h3, backbone, bias=false) | bn | elu,
    )
    z = linear(h4, dim)
  }
}
