module keel.dev/client

go 1.19
