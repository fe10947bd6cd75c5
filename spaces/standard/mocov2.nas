# MoCo v2 (Chen et al., 2020): the MLP head Linear-ReLU-Linear to 128, no BN.
genotype mocov2 for mocov2 {
  meta {
    reference = "Chen, Fan, Girshick & He, Improved Baselines with Momentum Contrastive Learning, 2020"
  }

  let dim = 128

  head projector(x: backbone) {
    h = linear(x, backbone) | relu
    z = linear(h, dim)
  }
}
