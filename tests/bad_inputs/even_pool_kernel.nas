space s {
  head projector(x: 512) {
    z = avgpool(x, kernel=4)
  }
}
