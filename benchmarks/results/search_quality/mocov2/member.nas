# The NASiam MoCo space's plain member: every layer linear + BN + ReLU (`nasiam pin`).
genotype nasiam_moco_standard for mocov2 {
  let dim = 128

  head projector(x: backbone) {
    h1 = linear(x, backbone, bias=false) | bn | relu
    h2 = linear(h1, backbone, bias=false) | bn | relu
    h3 = linear(h2, backbone, bias=false) | bn | relu
    h4 = linear(h3, backbone, bias=false) | bn | relu
    z = linear(h4, dim)
  }
}
