module example.com/gocmd

go 1.23
