genotype ssl_heads_derived for simsiam {
  meta {
    source_space = "ssl_heads"
    space_hash = "d7f8d18f02c91f30"
    version = "0.1.0"
    framework = "simsiam"
    dataset = "embedded"
    backbone = "small_cnn"
    seed = 0
    epochs = 20
    steps = 300
    sampler = "softmax"
    decided = 6
    undecided = 1
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: none 0.61 vs bn 0.39: +0.22 over the runner-up, +0.11 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.34 vs gelu 0.33: +0.01 over the runner-up, +0.01 over chance (0.33), undecided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.56 vs linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.44: +0.12 over the runner-up, +0.06 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: none 0.64 vs bn(affine=false) 0.36: +0.28 over the runner-up, +0.14 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.38 vs 16 0.32: +0.06 over the runner-up, +0.05 over chance (0.33), decided"
    margin_predictor_h_norm = "predictor.h.norm: none 0.60 vs bn 0.40: +0.21 over the runner-up, +0.10 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.40 vs relu 0.30: +0.10 over the runner-up, +0.07 over chance (0.33), decided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{none @0.6099} | act{relu @0.343}
    h2 = choose(identity(h1) @0.5623)
    z = linear(h2, dim, bias=frozen) | norm{none @0.6405}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.38}, bias=false) | norm{none @0.6044} | act{tanh @0.3986}
    p = linear(h, dim)
  }
}
