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
    decided = 2
    undecided = 7
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: bn 0.51 vs none 0.49: +0.03 over the runner-up, +0.01 over chance (0.50), undecided"
    margin_projector_h1_act = "projector.h1.act: relu 0.35 vs gelu 0.35: +0.00 over the runner-up, +0.02 over chance (0.33), undecided"
    margin_projector_h2_op = "projector.h2.op: linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.51 vs identity(h1) 0.49: +0.01 over the runner-up, +0.01 over chance (0.50), undecided"
    margin_projector_h2_norm = "projector.h2.norm: bn 0.55 vs none 0.45: +0.09 over the runner-up, +0.05 over chance (0.50), decided"
    margin_projector_h2_act = "projector.h2.act: gelu 0.35 vs relu 0.34: +0.01 over the runner-up, +0.01 over chance (0.33), undecided"
    margin_projector_z_norm = "projector.z.norm: bn(affine=false) 0.51 vs none 0.49: +0.03 over the runner-up, +0.01 over chance (0.50), undecided"
    margin_predictor_h_width = "predictor.h.width: 256 0.36 vs 64 0.33: +0.03 over the runner-up, +0.02 over chance (0.33), undecided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.53 vs none 0.47: +0.07 over the runner-up, +0.03 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.36 vs gelu 0.33: +0.03 over the runner-up, +0.03 over chance (0.33), undecided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{bn @0.5149} | act{relu @0.3527}
    h2 = choose(linear(h1, 512, bias=false) | norm{bn @0.5465} | act{gelu @0.3455} @0.5053)
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false) @0.5147}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3573}, bias=false) | norm{bn @0.5349} | act{tanh @0.36}
    p = linear(h, dim)
  }
}
