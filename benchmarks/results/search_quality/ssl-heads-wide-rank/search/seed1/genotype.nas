genotype ssl_heads_wide_derived for simsiam {
  meta {
    source_space = "ssl_heads_wide"
    space_hash = "27ed440e976d09de"
    version = "0.1.0"
    framework = "simsiam"
    dataset = "embedded"
    backbone = "small_cnn"
    seed = 1
    epochs = 20
    steps = 300
    sampler = "softmax"
    decided = 7
    undecided = 1
    decided_margin = 0.05
    margin_projector_h1_width = "projector.h1.width: 512 0.99 vs 2048 0.01: +0.98 over the runner-up, +0.49 over chance (0.50), decided"
    margin_projector_h1_norm = "projector.h1.norm: bn 0.89 vs none 0.11: +0.77 over the runner-up, +0.39 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.90 vs gelu 0.08: +0.82 over the runner-up, +0.57 over chance (0.33), decided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.96 vs linear(h1, width{512, 2048}, bias=false) | norm{bn, none} | act(acts) 0.04: +0.91 over the runner-up, +0.46 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: bn(affine=false) 0.90 vs none 0.10: +0.79 over the runner-up, +0.40 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.36 vs 16 0.32: +0.04 over the runner-up, +0.02 over chance (0.33), undecided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.58 vs none 0.42: +0.16 over the runner-up, +0.08 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.40 vs gelu 0.31: +0.09 over the runner-up, +0.07 over chance (0.33), decided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, width{512 @0.9885}, bias=false) | norm{bn @0.8862} | act{relu @0.8995}
    h2 = choose(identity(h1) @0.9574)
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false) @0.8964}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3581}, bias=false) | norm{bn @0.5806} | act{tanh @0.3995}
    p = linear(h, dim)
  }
}
