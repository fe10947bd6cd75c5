# SimCLR (Chen et al., ICML 2020): the 2-layer projection head g(.) =
# Linear-ReLU-Linear, hidden width of the backbone, 128 out.
genotype simclr for simclr {
  meta {
    reference = "Chen, Kornblith, Norouzi & Hinton, A Simple Framework for Contrastive Learning of Visual Representations, ICML 2020"
  }

  let dim = 128

  head projector(x: backbone) {
    h = linear(x, backbone) | relu
    z = linear(h, dim)
  }
}
