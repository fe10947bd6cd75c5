space s {
  block residual(x, w) {
    a = linear(x, w) | bn | relu
    y = sum(x, a)
  }
  head projector(x: 256) {
    h = repeat 2 residual(x, 512)
    z = linear(h, 128)
  }
}
