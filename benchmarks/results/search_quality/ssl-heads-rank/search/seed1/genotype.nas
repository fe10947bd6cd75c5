genotype ssl_heads_derived for simsiam {
  meta {
    source_space = "ssl_heads"
    space_hash = "d7f8d18f02c91f30"
    version = "0.1.0"
    framework = "simsiam"
    dataset = "embedded"
    backbone = "small_cnn"
    seed = 1
    epochs = 20
    steps = 300
    sampler = "softmax"
    decided = 7
    undecided = 0
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: bn 0.89 vs none 0.11: +0.79 over the runner-up, +0.39 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.91 vs gelu 0.06: +0.85 over the runner-up, +0.58 over chance (0.33), decided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.96 vs linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.04: +0.93 over the runner-up, +0.46 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: bn(affine=false) 0.91 vs none 0.09: +0.82 over the runner-up, +0.41 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.38 vs 16 0.31: +0.08 over the runner-up, +0.05 over chance (0.33), decided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.59 vs none 0.41: +0.18 over the runner-up, +0.09 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.38 vs gelu 0.32: +0.06 over the runner-up, +0.05 over chance (0.33), decided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{bn @0.893} | act{relu @0.9128}
    h2 = choose(identity(h1) @0.9627)
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false) @0.9086}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3846}, bias=false) | norm{bn @0.5902} | act{tanh @0.3832}
    p = linear(h, dim)
  }
}
