space s {
  head projector(x: 512) {
    h = sum(x, h)
  }
}
