using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keel.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class KeyExpiryNotice : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "expiry_notice_at",
                table: "api_keys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_expiry_notice_due",
                table: "api_keys",
                column: "expires_at",
                filter: "expires_at IS NOT NULL AND expiry_notice_at IS NULL AND revoked_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_api_keys_expiry_notice_due",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "expiry_notice_at",
                table: "api_keys");
        }
    }
}
