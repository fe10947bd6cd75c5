# MoCo v3, ResNet variant (Chen, Xie & He, ICCV 2021): projector
# Linear-BN-ReLU -> Linear-BN(affine=false), 4096 hidden, 256 out, no biases;
# predictor Linear-BN-ReLU -> Linear, no BN at its output.
genotype mocov3 for mocov3 {
  meta {
    reference = "Chen, Xie & He, An Empirical Study of Training Self-Supervised Vision Transformers, ICCV 2021"
  }

  let hidden = 4096
  let dim = 256

  head projector(x: backbone) {
    h = linear(x, hidden, bias=false) | bn | relu
    z = linear(h, dim, bias=false) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, hidden, bias=false) | bn | relu
    p = linear(h, dim, bias=false)
  }
}
