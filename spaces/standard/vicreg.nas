# VICReg (Bardes, Ponce & LeCun, ICLR 2022): [Linear-BN-ReLU] x2 -> Linear, 8192 wide;
# hidden linears keep their bias, the last has none.
genotype vicreg for vicreg {
  meta {
    reference = "Bardes, Ponce & LeCun, VICReg, ICLR 2022"
  }

  let dim = 8192

  head projector(x: backbone) {
    h1 = linear(x, dim) | bn | relu
    h2 = linear(h1, dim) | bn | relu
    z = linear(h2, dim, bias=false)
  }
}
