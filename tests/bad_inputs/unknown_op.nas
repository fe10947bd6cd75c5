space s {
  head projector(x: 512) {
    z = linear(x, 256) | gelu2
  }
}
