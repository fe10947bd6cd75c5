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
    decided = 4
    undecided = 3
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: none 0.55 vs bn 0.45: +0.09 over the runner-up, +0.05 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.34 vs gelu 0.34: +0.00 over the runner-up, +0.01 over chance (0.33), undecided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.54 vs linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.46: +0.08 over the runner-up, +0.04 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: bn(affine=false) 0.55 vs none 0.45: +0.11 over the runner-up, +0.05 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.35 vs 16 0.32: +0.03 over the runner-up, +0.02 over chance (0.33), undecided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.65 vs none 0.35: +0.30 over the runner-up, +0.15 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.36 vs gelu 0.33: +0.03 over the runner-up, +0.03 over chance (0.33), undecided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{none @0.5459} | act{relu @0.3434}
    h2 = choose(identity(h1) @0.5399)
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false) @0.5537}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.352}, bias=false) | norm{bn @0.6492} | act{tanh @0.3642}
    p = linear(h, dim)
  }
}
