# two heads with one name
space s {
  head projector(x: 512) {
    z = linear(x, 256)
  }
  head projector(x: 512) {
    z = linear(x, 128)
  }
}
