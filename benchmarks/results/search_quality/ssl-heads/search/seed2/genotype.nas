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
    decided = 4
    undecided = 3
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: bn 0.57 vs none 0.43: +0.15 over the runner-up, +0.07 over chance (0.50), decided"
    margin_projector_h1_act = "projector.h1.act: gelu 0.34 vs tanh 0.33: +0.00 over the runner-up, +0.00 over chance (0.33), undecided"
    margin_projector_h2_op = "projector.h2.op: identity(h1) 0.57 vs linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.43: +0.14 over the runner-up, +0.07 over chance (0.50), decided"
    margin_projector_z_norm = "projector.z.norm: none 0.53 vs bn(affine=false) 0.47: +0.06 over the runner-up, +0.03 over chance (0.50), decided"
    margin_predictor_h_width = "predictor.h.width: 256 0.40 vs 16 0.31: +0.09 over the runner-up, +0.07 over chance (0.33), decided"
    margin_predictor_h_norm = "predictor.h.norm: none 0.51 vs bn 0.49: +0.01 over the runner-up, +0.01 over chance (0.50), undecided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.37 vs gelu 0.33: +0.04 over the runner-up, +0.03 over chance (0.33), undecided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{bn @0.5743} | act{gelu @0.3362}
    h2 = choose(identity(h1) @0.5676)
    z = linear(h2, dim, bias=frozen) | norm{none @0.5319}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.402}, bias=false) | norm{none @0.5073} | act{tanh @0.3679}
    p = linear(h, dim)
  }
}
