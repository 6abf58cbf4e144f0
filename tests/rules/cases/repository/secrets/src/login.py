def login(request):
    password = request.form["password"]
    token = request.headers.get("Authorization")
    return check(password, token)
