# The space the README's demo searches on the embedded dataset: small SimSiam heads
# for a small CNN backbone, with an op choice per layer (the seed's candidates with
# a shared linear: cheaper), an activation choice, a width choice and a skip choice.
space demo for simsiam {
  let acts = {relu, silu, hardswish, elu}
  let dim = 256
  let pred = 64

  head projector(x: backbone) {
    h1 = linear(x, backbone, bias=false) | bn | act(acts)
    h2 = choose(linear(h1, backbone, bias=false) | bn | act(acts), identity(h1), avgpool(h1) | bn)
    z = linear(h2, dim, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, width{32, 64}, bias=false) | bn | act(acts)
    p = linear(h, dim)
  }

  constraint count(identity, avgpool) <= 1 per head
}
