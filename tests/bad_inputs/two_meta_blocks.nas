space s {
  meta { seed = 1 }
  meta { seed = 2 }
  head projector(x: 512) {
    z = linear(x, 256)
  }
}
