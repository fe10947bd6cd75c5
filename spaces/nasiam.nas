# NASiam search space for SimSiam: projector 6 layers, predictor 4.
#
# Exactly the space of the NASiam seed code (aheuillet/NASiam@e3a1a4c, SimSiam/simsiam/builder.py):
# every layer is a DARTS mixed op over 7 candidates (maxpool, avgpool, identity,
# linear+bn+{relu, silu, hardswish, elu}), whose structure follows the seed's
# expansion rule: at a contracting layer `identity` is
# linear+bn+relu and the pools follow it; at an expanding layer every candidate
# is a biased linear, so identity and the four activations are the same op.
# `nasiam check` warns about those duplicate candidates (the seed's expanding
# layers offer structurally equal candidates);
# spaces/dag.nas is a space without them.
space nasiam_simsiam for simsiam {
  meta {
    paper = "NASiam: Efficient Representation Learning using Neural Architecture Search for Siamese Networks"
    seed_code = "aheuillet/NASiam@e3a1a4c"
  }

  let dim = 2048
  let pred = 512

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
    h5 = choose(
      maxpool(h4) | bn,
      avgpool(h4) | bn,
      identity(h4),
      linear(h4, backbone, bias=false) | bn | relu,
      linear(h4, backbone, bias=false) | bn | silu,
      linear(h4, backbone, bias=false) | bn | hardswish,
      linear(h4, backbone, bias=false) | bn | elu,
    )
    h6 = choose(
      maxpool(h5) | bn,
      avgpool(h5) | bn,
      identity(h5),
      linear(h5, backbone, bias=false) | bn | relu,
      linear(h5, backbone, bias=false) | bn | silu,
      linear(h5, backbone, bias=false) | bn | hardswish,
      linear(h5, backbone, bias=false) | bn | elu,
    )
    z = linear(h6, dim, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h1 = choose(
      linear(z, pred, bias=false) | bn | relu | maxpool | bn,
      linear(z, pred, bias=false) | bn | relu | avgpool | bn,
      linear(z, pred, bias=false) | bn | relu,
      linear(z, pred, bias=false) | bn | relu,
      linear(z, pred, bias=false) | bn | silu,
      linear(z, pred, bias=false) | bn | hardswish,
      linear(z, pred, bias=false) | bn | elu,
    )
    h2 = choose(
      maxpool(h1) | bn,
      avgpool(h1) | bn,
      identity(h1),
      linear(h1, pred, bias=false) | bn | relu,
      linear(h1, pred, bias=false) | bn | silu,
      linear(h1, pred, bias=false) | bn | hardswish,
      linear(h1, pred, bias=false) | bn | elu,
    )
    h3 = choose(
      maxpool(h2) | bn,
      avgpool(h2) | bn,
      identity(h2),
      linear(h2, pred, bias=false) | bn | relu,
      linear(h2, pred, bias=false) | bn | silu,
      linear(h2, pred, bias=false) | bn | hardswish,
      linear(h2, pred, bias=false) | bn | elu,
    )
    h4 = choose(
      linear(h3, dim) | maxpool | bn,
      linear(h3, dim) | avgpool | bn,
      linear(h3, dim),
      linear(h3, dim),
      linear(h3, dim),
      linear(h3, dim),
      linear(h3, dim),
    )
  }
}
