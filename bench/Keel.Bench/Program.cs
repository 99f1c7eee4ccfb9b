Console.WriteLine("bench: scenarios arrive in the next commit");
