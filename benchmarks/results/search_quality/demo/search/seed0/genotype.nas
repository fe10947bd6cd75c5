genotype demo_derived for simsiam {
  meta {
    source_space = "demo"
    space_hash = "6d3c0c859dca72e3"
    version = "0.1.0"
    framework = "simsiam"
    dataset = "embedded"
    backbone = "small_cnn"
    seed = 0
    epochs = 20
    steps = 300
    sampler = "softmax"
    ranking = "exact"
    decided = 3
    undecided = 2
    decided_margin = 0.05
    margin_projector_h1_act = "projector.h1.act: silu 0.26 vs relu 0.26: +0.00 over the runner-up, +0.01 over chance (0.25), undecided"
    margin_projector_h2_op = "projector.h2.op: linear(h1, backbone, bias=false) | bn | act(acts) 0.43 vs identity(h1) 0.33: +0.10 over the runner-up, +0.10 over chance (0.33), decided"
    margin_projector_h2_act = "projector.h2.act: relu 0.27 vs silu 0.26: +0.01 over the runner-up, +0.02 over chance (0.25), undecided"
    margin_predictor_h_width = "predictor.h.width: 64 0.66 vs 32 0.34: +0.32 over the runner-up, +0.16 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: elu 0.40 vs hardswish 0.22: +0.18 over the runner-up, +0.15 over chance (0.25), decided"
  }

  let acts = {relu, silu, hardswish, elu}
  let dim = 256
  let pred = 64

  head projector(x: backbone) {
    h1 = linear(x, backbone, bias=false) | bn | act{silu @0.2573}
    h2 = choose(linear(h1, backbone, bias=false) | bn | act{relu @0.271} @0.4316)
    z = linear(h2, dim, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, width{64 @0.6624}, bias=false) | bn | act{elu @0.3982}
    p = linear(h, dim)
  }

  constraint count(identity, avgpool) <= 1 per head
}
