package main

import "github.com/spf13/cobra"

func newDemoCmd(e env) *cobra.Command   { return &cobra.Command{Use: "demo"} }
func newKeygenCmd(e env) *cobra.Command { return &cobra.Command{Use: "keygen"} }
func newIssueCmd(e env) *cobra.Command  { return &cobra.Command{Use: "issue"} }
func newVerifyCmd(e env) *cobra.Command { return &cobra.Command{Use: "verify"} }
func newQRCmd(e env) *cobra.Command     { return &cobra.Command{Use: "qr"} }
