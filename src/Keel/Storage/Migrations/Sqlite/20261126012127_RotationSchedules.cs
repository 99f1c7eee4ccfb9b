using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keel.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RotationSchedules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "next_rotation_at",
                table: "webhook_endpoints",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "rotation_every_days",
                table: "webhook_endpoints",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "rotation_grace_seconds",
                table: "webhook_endpoints",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "rotation_notice_due_at",
                table: "webhook_endpoints",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "rotation_notify_days_before",
                table: "webhook_endpoints",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "next_rotation_at",
                table: "api_keys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "rotation_every_days",
                table: "api_keys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "rotation_grace_seconds",
                table: "api_keys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "rotation_notice_due_at",
                table: "api_keys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "rotation_notify_days_before",
                table: "api_keys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "successor_secret",
                table: "api_keys",
                type: "BLOB",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_webhook_endpoints_rotation_due",
                table: "webhook_endpoints",
                column: "next_rotation_at",
                filter: "next_rotation_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_webhook_endpoints_rotation_notice_due",
                table: "webhook_endpoints",
                column: "rotation_notice_due_at",
                filter: "rotation_notice_due_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_expires_at",
                table: "api_keys",
                column: "expires_at",
                filter: "successor_secret IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_rotation_due",
                table: "api_keys",
                column: "next_rotation_at",
                filter: "next_rotation_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_rotation_notice_due",
                table: "api_keys",
                column: "rotation_notice_due_at",
                filter: "rotation_notice_due_at IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_webhook_endpoints_rotation_due",
                table: "webhook_endpoints");

            migrationBuilder.DropIndex(
                name: "ix_webhook_endpoints_rotation_notice_due",
                table: "webhook_endpoints");

            migrationBuilder.DropIndex(
                name: "ix_api_keys_expires_at",
                table: "api_keys");

            migrationBuilder.DropIndex(
                name: "ix_api_keys_rotation_due",
                table: "api_keys");

            migrationBuilder.DropIndex(
                name: "ix_api_keys_rotation_notice_due",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "next_rotation_at",
                table: "webhook_endpoints");

            migrationBuilder.DropColumn(
                name: "rotation_every_days",
                table: "webhook_endpoints");

            migrationBuilder.DropColumn(
                name: "rotation_grace_seconds",
                table: "webhook_endpoints");

            migrationBuilder.DropColumn(
                name: "rotation_notice_due_at",
                table: "webhook_endpoints");

            migrationBuilder.DropColumn(
                name: "rotation_notify_days_before",
                table: "webhook_endpoints");

            migrationBuilder.DropColumn(
                name: "next_rotation_at",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "rotation_every_days",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "rotation_grace_seconds",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "rotation_notice_due_at",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "rotation_notify_days_before",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "successor_secret",
                table: "api_keys");
        }
    }
}
