genotype ssl_heads_derived for simsiam {
  meta {
    source_space = "ssl_heads"
    space_hash = "d7f8d18f02c91f30"
    version = "0.1.0"
    framework = "simsiam"
    dataset = "fashion-mnist"
    backbone = "small_cnn"
    seed = 1
    epochs = 6
    steps = 234
    sampler = "softmax"
    decided = 6
    undecided = 1
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: bn 0.90 vs none 0.10: +0.79 over the runner-up, +0.40 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.79 vs gelu 0.18: +0.61 over the runner-up, +0.46 over chance (0.33), decided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.95 vs linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.05: +0.89 over the runner-up, +0.45 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: bn(affine=false) 0.87 vs none 0.13: +0.74 over the runner-up, +0.37 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.41 vs 16 0.30: +0.11 over the runner-up, +0.07 over chance (0.33), decided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.54 vs none 0.46: +0.07 over the runner-up, +0.04 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.38 vs gelu 0.33: +0.05 over the runner-up, +0.04 over chance (0.33), undecided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{bn @0.8956} | act{relu @0.7886}
    h2 = choose(identity(h1) @0.9468)
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false) @0.8697}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.4075}, bias=false) | norm{bn @0.5361} | act{tanh @0.3763}
    p = linear(h, dim)
  }
}
