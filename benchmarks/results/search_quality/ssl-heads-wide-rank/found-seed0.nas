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
    decided = 7
    undecided = 1
    decided_margin = 0.05
    margin_projector_h1_width = "projector.h1.width: 2048 0.56 vs 512 0.44: +0.12 over the runner-up, +0.06 over chance (0.50), decided"
    margin_projector_h1_norm = "projector.h1.norm: bn 0.88 vs none 0.12: +0.77 over the runner-up, +0.38 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.87 vs gelu 0.10: +0.77 over the runner-up, +0.54 over chance (0.33), decided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.93 vs linear(h1, width{512, 2048}, bias=false) | norm{bn, none} | act(acts) 0.07: +0.86 over the runner-up, +0.43 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: bn(affine=false) 0.94 vs none 0.06: +0.89 over the runner-up, +0.44 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.36 vs 16 0.34: +0.02 over the runner-up, +0.03 over chance (0.33), undecided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.56 vs none 0.44: +0.11 over the runner-up, +0.06 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.40 vs gelu 0.30: +0.10 over the runner-up, +0.07 over chance (0.33), decided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, width{2048 @0.5602}, bias=false) | norm{bn @0.8846} | act{relu @0.8691}
    h2 = choose(identity(h1) @0.9305)
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false) @0.9448}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3623}, bias=false) | norm{bn @0.5555} | act{tanh @0.4002}
    p = linear(h, dim)
  }
}
