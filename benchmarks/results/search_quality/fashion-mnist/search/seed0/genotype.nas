genotype ssl_heads_derived for simsiam {
  meta {
    source_space = "ssl_heads"
    space_hash = "d7f8d18f02c91f30"
    version = "0.1.0"
    framework = "simsiam"
    dataset = "fashion-mnist"
    backbone = "small_cnn"
    seed = 0
    epochs = 6
    steps = 234
    sampler = "softmax"
    decided = 7
    undecided = 0
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: bn 0.90 vs none 0.10: +0.80 over the runner-up, +0.40 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: relu 0.76 vs gelu 0.20: +0.56 over the runner-up, +0.43 over chance (0.33), decided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.94 vs linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.06: +0.89 over the runner-up, +0.44 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: bn(affine=false) 0.88 vs none 0.12: +0.76 over the runner-up, +0.38 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.39 vs 16 0.31: +0.07 over the runner-up, +0.05 over chance (0.33), decided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.55 vs none 0.45: +0.09 over the runner-up, +0.05 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.38 vs gelu 0.33: +0.05 over the runner-up, +0.05 over chance (0.33), decided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{bn @0.8983} | act{relu @0.7595}
    h2 = choose(identity(h1) @0.9443)
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false) @0.8775}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3872}, bias=false) | norm{bn @0.5465} | act{tanh @0.3796}
    p = linear(h, dim)
  }
}
