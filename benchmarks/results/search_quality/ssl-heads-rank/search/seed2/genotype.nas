genotype ssl_heads_derived for simsiam {
  meta {
    source_space = "ssl_heads"
    space_hash = "d7f8d18f02c91f30"
    version = "0.1.0"
    framework = "simsiam"
    dataset = "embedded"
    backbone = "small_cnn"
    seed = 2
    epochs = 20
    steps = 300
    sampler = "softmax"
    decided = 6
    undecided = 1
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: bn 0.90 vs none 0.10: +0.80 over the runner-up, +0.40 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.90 vs gelu 0.08: +0.82 over the runner-up, +0.56 over chance (0.33), decided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.96 vs linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.04: +0.92 over the runner-up, +0.46 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: bn(affine=false) 0.89 vs none 0.11: +0.78 over the runner-up, +0.39 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.39 vs 64 0.31: +0.08 over the runner-up, +0.06 over chance (0.33), decided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.51 vs none 0.49: +0.02 over the runner-up, +0.01 over chance (0.50), undecided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.41 vs gelu 0.31: +0.10 over the runner-up, +0.08 over chance (0.33), decided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{bn @0.8981} | act{relu @0.8972}
    h2 = choose(identity(h1) @0.9592)
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false) @0.8886}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3911}, bias=false) | norm{bn @0.5116} | act{tanh @0.4123}
    p = linear(h, dim)
  }
}
