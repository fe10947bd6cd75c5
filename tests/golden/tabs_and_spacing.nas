# tabs, odd spacing and blank lines
space	tabs	for simclr{


	head projector ( x : backbone ) {
		h=linear( x,2048 )|bn|relu

		z   =   linear(h,128)
	}
	constraint   params<=5M

}
