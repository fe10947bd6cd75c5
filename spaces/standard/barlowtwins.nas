# Barlow Twins (Zbontar et al., ICML 2021): [Linear-BN-ReLU] x2 -> Linear, 8192 wide,
# no biases; the loss applies its own BN(affine=false).
genotype barlowtwins for barlowtwins {
  meta {
    reference = "Zbontar, Jing, Misra, LeCun & Deny, Barlow Twins, ICML 2021"
  }

  let dim = 8192

  head projector(x: backbone) {
    h1 = linear(x, dim, bias=false) | bn | relu
    h2 = linear(h1, dim, bias=false) | bn | relu
    z = linear(h2, dim, bias=false)
  }
}
