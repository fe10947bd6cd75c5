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
    decided = 3
    undecided = 4
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: none 0.58 vs bn 0.42: +0.16 over the runner-up, +0.08 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: tanh 0.35 vs gelu 0.33: +0.03 over the runner-up, +0.02 over chance (0.33), undecided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.61 vs linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.39: +0.22 over the runner-up, +0.11 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: none 0.58 vs bn(affine=false) 0.42: +0.17 over the runner-up, +0.08 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.37 vs 16 0.32: +0.04 over the runner-up, +0.03 over chance (0.33), undecided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.51 vs none 0.49: +0.01 over the runner-up, +0.01 over chance (0.50), undecided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.35 vs gelu 0.34: +0.01 over the runner-up, +0.01 over chance (0.33), undecided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{none @0.5787} | act{tanh @0.3513}
    h2 = choose(identity(h1) @0.6079)
    z = linear(h2, dim, bias=frozen) | norm{none @0.5839}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3652}, bias=false) | norm{bn @0.5066} | act{tanh @0.3467}
    p = linear(h, dim)
  }
}
