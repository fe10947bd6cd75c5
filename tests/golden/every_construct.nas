space every for simsiam {
  constraint count(identity, avgpool) <= 2 per head
  constraint params(predictor) > 0
  constraint flops <= 1G
  constraint count(zero) == 0 in projector
  let acts = {relu, gelu(approximate=tanh), silu, leaky_relu(negative_slope=0.2)}
  let norms = {bn, layernorm(eps=0.001), none}
  let dim = 2048
  meta {
    description = "every construct of the language"
    seed = 0
    lr = 0.05
    deterministic = true
  }
  head projector(x: backbone) {
    h1 = linear(x, width{512, 1024, 2048} as hidden, bias=false) | norm(norms) | act(acts) as hidden_act
    h2 = choose(linear(h1, width{512, 1024, 2048} as hidden, bias=false) | bn(affine=false, momentum=0.01) | act(acts), identity(h1) @0.5, zero(h1), avgpool(h1, kernel=5) | bn,) as op1
    h3 = sum(pick 1 of {h1, h2}) as skip
    h4 = mean(h1, h3) | maxpool
    h5 = concat(h1, h4) | linear(dim, bias=frozen)
    z = h5 | bn(affine=false) | norm{bn, layernorm} | act{relu, gelu}
  }
  head predictor(z: projector) {
    p = linear(z, 512) | bn | relu | linear(dim)
  }
  head fixed(x: 128) {
    y = identity(x)
  }
}
