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
    decided = 3
    undecided = 6
    decided_margin = 0.05
    margin_projector_h1_norm = "projector.h1.norm: bn 0.51 vs none 0.49: +0.02 over the runner-up, +0.01 over chance (0.50), undecided"
    margin_projector_h1_act = "projector.h1.act: relu 0.36 vs gelu 0.35: +0.01 over the runner-up, +0.02 over chance (0.33), undecided"
    margin_projector_h2_op = "projector.h2.op: linear(h1, 512, bias=false) | norm{bn, none} | act(acts) 0.50 vs identity(h1) 0.50: +0.00 over the runner-up, +0.00 over chance (0.50), undecided"
    margin_projector_h2_norm = "projector.h2.norm: bn 0.53 vs none 0.47: +0.06 over the runner-up, +0.03 over chance (0.50), decided"
    margin_projector_h2_act = "projector.h2.act: gelu 0.35 vs relu 0.35: +0.01 over the runner-up, +0.02 over chance (0.33), undecided"
    margin_projector_z_norm = "projector.z.norm: bn(affine=false) 0.51 vs none 0.49: +0.02 over the runner-up, +0.01 over chance (0.50), undecided"
    margin_predictor_h_width = "predictor.h.width: 256 0.36 vs 16 0.32: +0.04 over the runner-up, +0.03 over chance (0.33), undecided"
    margin_predictor_h_norm = "predictor.h.norm: bn 0.54 vs none 0.46: +0.08 over the runner-up, +0.04 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: tanh 0.38 vs gelu 0.32: +0.06 over the runner-up, +0.05 over chance (0.33), decided"
  }

  let acts = {relu, gelu, tanh}
  let dim = 256

  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | norm{bn @0.51} | act{relu @0.3561}
    h2 = choose(linear(h1, 512, bias=false) | norm{bn @0.5316} | act{gelu @0.3548} @0.501)
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false) @0.5117}
  }

  head predictor(z: projector) {
    h = linear(z, width{256 @0.3636}, bias=false) | norm{bn @0.5406} | act{tanh @0.3821}
    p = linear(h, dim)
  }
}
