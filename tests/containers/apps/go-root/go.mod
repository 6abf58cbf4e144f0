module example.com/goroot

go 1.23
