//! Outgoing email: messages are jobs (`mail.send`), delivered over SMTP by `lettre`, so a restart neither loses nor repeats one.
