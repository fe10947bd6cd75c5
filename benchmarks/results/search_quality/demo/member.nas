# The demo space's standard member: ReLU everywhere, the linear block, a 64-wide predictor.
genotype demo_standard for simsiam {
  head projector(x: backbone) {
    h1 = linear(x, backbone, bias=false) | bn | relu
    h2 = linear(h1, backbone, bias=false) | bn | relu
    z = linear(h2, 256, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, 64, bias=false) | bn | relu
    p = linear(h, 256)
  }
}
