space s {
  meta { author = "René" }
  head projector(x: 512) {
    z = linear(x, 256)
  }
}
