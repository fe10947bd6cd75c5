# SimSiam (Chen & He, CVPR 2021), as in the official code and lightly's heads:
# projector Linear-BN-ReLU x2 -> Linear -> BN(affine=false) with the hidden width of
# the backbone; the last linear's bias is frozen (a BN follows it); predictor is a
# d/4 bottleneck Linear-BN-ReLU -> Linear with no BN at its output.
genotype simsiam for simsiam {
  meta {
    reference = "Chen & He, Exploring Simple Siamese Representation Learning, CVPR 2021"
  }

  let dim = 2048
  let pred = 512

  head projector(x: backbone) {
    h1 = linear(x, backbone, bias=false) | bn | relu
    h2 = linear(h1, backbone, bias=false) | bn | relu
    z = linear(h2, dim, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, pred, bias=false) | bn | relu
    p = linear(h, dim)
  }
}
