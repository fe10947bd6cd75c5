space s {
  head projector(x: 512) {
    z = linear(x, 256)
  }
  constraint count(identiy) <= 1 per head
}
