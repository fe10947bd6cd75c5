space s {
  let mixed = {relu, bn}
  head projector(x: 512) {
    z = linear(x, 256)
  }
}
