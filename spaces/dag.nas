# A richer space than the seed's chain: a DAG with a skip, width choices shared by
# masking, a shared activation decision, a norm choice and an input choice.
space dag for simsiam {
  meta {
    description = "SimSiam heads as a small DAG: width, activation, norm and input choices"
  }

  let acts = {relu, gelu, silu, elu, hardswish, mish}
  let dim = 2048

  head projector(x: backbone) {
    h1 = linear(x, 2048, bias=false) | bn | act(acts) as hidden_act
    h2 = choose(linear(h1, 2048, bias=false) | bn | act(acts), identity(h1), zero(h1))
    h3 = sum(pick 1 of {h1, h2})
    z = linear(h3, dim, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, width{256, 512, 1024}, bias=false) | norm{bn, layernorm} | act(acts) as hidden_act
    p = linear(h, dim)
  }

  constraint count(identity) <= 1 per head
}
