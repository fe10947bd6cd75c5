genotype ssl_heads_wide_derived for simsiam {
  meta {
    source_space = "ssl_heads_wide"
    space_hash = "27ed440e976d09de"
    version = "0.1.0"
    framework = "simsiam"
    dataset = "embedded"
    backbone = "small_cnn"
    seed = 0
    epochs = 20
    steps = 300
    sampler = "softmax"
    decided = 8
    undecided = 0
    decided_margin = 0.05
    margin_projector_h1_width = "projector.h1.width: 512 0.98 vs 2048 0.02: +0.96 over the runner-up, +0.48 over chance (0.50), decided"
    margin_projector_h1_norm = "projector.h1.norm: bn 0.89 vs none 0.11: +0.78 over the runner-up, +0.39 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.87 vs gelu 0.10: +0.77 over the runner-up, +0.53 over chance (0.33), decided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.96 vs linear(h1, width{512, 2048}, bias=false) | norm{bn, none} | act(acts) 0.04: +0.91 over the runner-up, +0.46 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: bn(affine=false) 0.95 vs none 0.05: +0.89 over the runner-up, +0.45 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.38 vs 16 0.32: +0.06 over the runner-up, +0.05 over chance (0.33), decided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.53 vs none 0.47: +0.07 over the runner-up, +0.03 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.39 vs gelu 0.31: +0.08 over the runner-up, +0.06 over chance (0.33), decided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, width{512 @0.9822}, bias=false) | norm{bn @0.8892} | act{relu @0.8667}
    h2 = choose(identity(h1) @0.9569)
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false) @0.9452}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3789}, bias=false) | norm{bn @0.5329} | act{tanh @0.3904}
    p = linear(h, dim)
  }
}
