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
    decided = 5
    undecided = 2
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: none 0.53 vs bn 0.47: +0.06 over the runner-up, +0.03 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.34 vs gelu 0.33: +0.01 over the runner-up, +0.01 over chance (0.33), undecided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.61 vs linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.39: +0.22 over the runner-up, +0.11 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: none 0.53 vs bn(affine=false) 0.47: +0.07 over the runner-up, +0.03 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.37 vs 64 0.33: +0.04 over the runner-up, +0.04 over chance (0.33), undecided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.55 vs none 0.45: +0.10 over the runner-up, +0.05 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.38 vs gelu 0.32: +0.06 over the runner-up, +0.05 over chance (0.33), decided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{none @0.53} | act{relu @0.3444}
    h2 = choose(identity(h1) @0.6097)
    z = linear(h2, dim, bias=frozen) | norm{none @0.5331}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3685}, bias=false) | norm{bn @0.5478} | act{tanh @0.3792}
    p = linear(h, dim)
  }
}
