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
    undecided = 3
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: none 0.53 vs bn 0.47: +0.06 over the runner-up, +0.03 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.36 vs gelu 0.35: +0.01 over the runner-up, +0.02 over chance (0.33), undecided"
    margin_projector_h2_op = "projector.h2.op: linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.53 vs identity(h1) 0.47: +0.07 over the runner-up, +0.03 over chance (0.50), decided"
    margin_projector_h2_norm = "projector.h2.norm: none 0.52 vs bn 0.48: +0.04 over the runner-up, +0.02 over chance (0.50), undecided"
    margin_projector_h2_act = "projector.h2.act: gelu 0.34 vs relu 0.33: +0.01 over the runner-up, +0.01 over chance (0.33), undecided"
    margin_projector_z_norm = "projector.z.norm: none 0.62 vs bn(affine=false) 0.38: +0.24 over the runner-up, +0.12 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.39 vs 16 0.31: +0.08 over the runner-up, +0.05 over chance (0.33), decided"
    margin_predictor_h_norm = "predictor.h.norm: none 0.58 vs bn 0.42: +0.16 over the runner-up, +0.08 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.41 vs gelu 0.30: +0.11 over the runner-up, +0.07 over chance (0.33), decided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{none @0.5279} | act{relu @0.3564}
    h2 = choose(linear(h1, 512, bias=false) | norm{none @0.5182} | act{gelu @0.3409} @0.5343)
    z = linear(h2, dim, bias=frozen) | norm{none @0.6193}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3871}, bias=false) | norm{none @0.58} | act{tanh @0.4066}
    p = linear(h, dim)
  }
}
