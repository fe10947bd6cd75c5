space s {
  head projector(x: 512) {
    h1 = linear(x, width{256, 512})
    h2 = linear(x, 512)
    h3 = sum(h1, h2)
  }
}
