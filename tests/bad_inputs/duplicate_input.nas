space s {
  head projector(x: 512) {
    a = linear(x, 256)
    z = sum(a, a)
  }
}
