# the only architecture has 131,328 parameters
space s {
  head projector(x: 512) {
    z = linear(x, 256)
  }
  constraint params <= 100k
}
