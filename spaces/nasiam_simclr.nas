# NASiam search space for SimCLR: projector 6 layers 2048 -> 512 ... -> 128 (ResNet-50).
#
# Exactly the space of the NASiam seed code (aheuillet/NASiam@e3a1a4c, SimCLR/model.py):
# every layer is a DARTS mixed op over 7 candidates (maxpool, avgpool, identity,
# linear+bn+{relu, silu, hardswish, elu}), whose structure follows the seed's
# expansion rule: at a contracting layer `identity` is
# linear+bn+relu and the pools follow it; at an expanding layer every candidate
# is a biased linear, so identity and the four activations are the same op.
# `nasiam check` warns about those duplicate candidates (the seed's expanding
# layers offer structurally equal candidates);
# spaces/dag.nas is a space without them.
space nasiam_simclr for simclr {
  meta {
    seed_code = "aheuillet/NASiam@e3a1a4c"
  }

  let hidden = 512
  let dim = 128

  head projector(x: backbone) {
    h1 = choose(
      linear(x, hidden, bias=false) | bn | relu | maxpool | bn,
      linear(x, hidden, bias=false) | bn | relu | avgpool | bn,
      linear(x, hidden, bias=false) | bn | relu,
      linear(x, hidden, bias=false) | bn | relu,
      linear(x, hidden, bias=false) | bn | silu,
      linear(x, hidden, bias=false) | bn | hardswish,
      linear(x, hidden, bias=false) | bn | elu,
    )
    h2 = choose(
      maxpool(h1) | bn,
      avgpool(h1) | bn,
      identity(h1),
      linear(h1, hidden, bias=false) | bn | relu,
      linear(h1, hidden, bias=false) | bn | silu,
      linear(h1, hidden, bias=false) | bn | hardswish,
      linear(h1, hidden, bias=false) | bn | elu,
    )
    h3 = choose(
      maxpool(h2) | bn,
      avgpool(h2) | bn,
      identity(h2),
      linear(h2, hidden, bias=false) | bn | relu,
      linear(h2, hidden, bias=false) | bn | silu,
      linear(h2, hidden, bias=false) | bn | hardswish,
      linear(h2, hidden, bias=false) | bn | elu,
    )
    h4 = choose(
      maxpool(h3) | bn,
      avgpool(h3) | bn,
      identity(h3),
      linear(h3, hidden, bias=false) | bn | relu,
      linear(h3, hidden, bias=false) | bn | silu,
      linear(h3, hidden, bias=false) | bn | hardswish,
      linear(h3, hidden, bias=false) | bn | elu,
    )
    h5 = choose(
      maxpool(h4) | bn,
      avgpool(h4) | bn,
      identity(h4),
      linear(h4, hidden, bias=false) | bn | relu,
      linear(h4, hidden, bias=false) | bn | silu,
      linear(h4, hidden, bias=false) | bn | hardswish,
      linear(h4, hidden, bias=false) | bn | elu,
    )
    h6 = choose(
      linear(h5, dim, bias=false) | bn | relu | maxpool | bn,
      linear(h5, dim, bias=false) | bn | relu | avgpool | bn,
      linear(h5, dim, bias=false) | bn | relu,
      linear(h5, dim, bias=false) | bn | relu,
      linear(h5, dim, bias=false) | bn | silu,
      linear(h5, dim, bias=false) | bn | hardswish,
      linear(h5, dim, bias=false) | bn | elu,
    )
  }
}
