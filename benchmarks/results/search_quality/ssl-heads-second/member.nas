# The ssl_heads space's standard member: SimSiam's recipe scaled down (BN and ReLU in every
# hidden layer, a two-layer projector with a non-affine BN output, a d/4 predictor bottleneck).
genotype ssl_heads_standard for simsiam {
  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | bn | relu
    h2 = linear(h1, 512, bias=false) | bn | relu
    z = linear(h2, 256, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, 64, bias=false) | bn | relu
    p = linear(h, 256)
  }
}
