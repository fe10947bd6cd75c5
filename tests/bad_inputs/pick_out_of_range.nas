space s {
  head projector(x: 512) {
    a = linear(x, 256)
    b = linear(x, 256)
    z = sum(pick 3 of {a, b})
  }
}
