# A space that holds SimSiam's standard heads (spaces/standard/simsiam.nas) among others:
# the norm and activation of each hidden layer, the second projector layer or a skip, the
# output BN or none, and the predictor's bottleneck width.
space simsiam_family for simsiam {
  let acts = {relu, gelu, silu}
  let dim = 2048
  let pred = 512

  head projector(x: backbone) {
    h1 = linear(x, backbone, bias=false) | norm{bn, layernorm, none} | act(acts)
    h2 = choose(linear(h1, backbone, bias=false) | bn | act(acts), identity(h1))
    z = linear(h2, dim, bias=frozen) | norm{bn(affine=false), none}
  }

  head predictor(z: projector) {
    h = linear(z, width{256, 512, 1024}, bias=false) | bn | act{relu, identity}
    p = linear(h, dim)
  }
}
