# BYOL (Grill et al., NeurIPS 2020), deepmind's MLP: Linear(4096)-BN-ReLU -> Linear(256)
# for both the projector and the predictor.
genotype byol for byol {
  meta {
    reference = "Grill et al., Bootstrap Your Own Latent, NeurIPS 2020"
  }

  let hidden = 4096
  let dim = 256

  head projector(x: backbone) {
    h = linear(x, hidden) | bn | relu
    z = linear(h, dim, bias=false)
  }

  head predictor(z: projector) {
    h = linear(z, hidden) | bn | relu
    p = linear(h, dim, bias=false)
  }
}
